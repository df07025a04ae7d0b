import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
application = get_wsgi_application()

# Refuse to serve with a wrong or missing key-encryption key (WrongKeyError says which).
from haven.keys.keyring import get_keyring  # noqa: E402

get_keyring()
