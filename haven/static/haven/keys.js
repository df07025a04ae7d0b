// The security keys page: once django-otp-webauthn's script has added a key, show the
// list again (with the new key in it, ready to be renamed).
document.addEventListener("otp_webauthn.register_complete", () => {
  window.location.reload();
});
