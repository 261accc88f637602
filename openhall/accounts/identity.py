"""Level-2 real-name check (name + ID number) behind one interface. `IDENTITY_VERIFIER` picks it.

Real providers (Tencent FaceID IdCardVerification, Aliyun Id2MetaVerify, the national network
identity service) answer yes or no; only that answer is kept, never the number.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class IdentityResult:
    matched: bool
    reason: str = ""


class IdentityVerifier:
    def verify(self, *, real_name: str, id_number: str) -> IdentityResult:
        raise NotImplementedError


class FakeIdentityVerifier(IdentityVerifier):
    """Accepts every well-formed number except those registered as mismatching (for tests)."""

    mismatches: set[tuple[str, str]] = set()

    def verify(self, *, real_name: str, id_number: str) -> IdentityResult:
        if (real_name, id_number) in self.mismatches:
            return IdentityResult(matched=False, reason="name_mismatch")
        return IdentityResult(matched=True)


VERIFIERS = {"fake": FakeIdentityVerifier}


def get_verifier() -> IdentityVerifier:
    name = settings.IDENTITY_VERIFIER
    return (VERIFIERS.get(name) or import_string(name))()
