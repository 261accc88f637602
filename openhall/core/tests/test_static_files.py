"""Production serves hashed static files: `collectstatic` must work on what we ship."""

from django.core.management import call_command


def test_collectstatic_with_the_production_storage_succeeds(settings, tmp_path):
    # A vendored file naming a source map we do not ship (Quill's did) fails the manifest
    # storage, so a deployment with DEBUG=false could not start.
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("vendor/quill/*.js"))
