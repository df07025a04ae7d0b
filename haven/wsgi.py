import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
application = get_wsgi_application()

# Refuse to serve with a wrong or missing key-encryption key (WrongKeyError says which).
from haven.keys.keyring import get_keyring  # noqa: E402

get_keyring()

# Load every view and template library now, in one thread: imported first by several
# request threads at once, modules that import each other (a template library and the
# actions it asks) could meet half-initialised and fail the first requests.
from django.template import engines  # noqa: E402
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 (imports every view)
engines.all()

# What is loaded by now (Django, the views, the templates, the keys) lives as long as the
# process. Frozen, the collector no longer walks it on every full collection: in a worker
# holding Haven that walk took about 120 ms, once every few hundred requests, on whichever
# request happened to trigger it.
import gc  # noqa: E402

gc.collect()
gc.freeze()
