"""A software token for the tests (SoftHSM2, Debian's softhsm2 package, which `make test` installs): its tokens live in
a directory of the test's own, named by SOFTHSM2_CONF; a unit's key and certificate (from a demo CA made in the test)
are put on a token as a CA would hand over a USB token, and taken off again as when it is unplugged."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pkcs11 import Attribute
from pkcs11.util.x509 import decode_x509_certificate

from shared.platform.pdfsigning import DemoPki, IssuingUnit

MODULES = (Path("/usr/lib/softhsm/libsofthsm2.so"), Path("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"))
SO_PIN = "87654321"
KEY_LABEL = "ky-so"


def softhsm_module() -> Path:
    found = next((m for m in MODULES if m.exists()), None)
    assert found is not None, "SoftHSM2 (Debian's softhsm2) is installed by `make test`"
    assert shutil.which("softhsm2-util"), "SoftHSM2 (Debian's softhsm2) is installed by `make test`"
    return found


@dataclass(frozen=True)
class SoftHsm:
    """Tokens under `root`; the process's SoftHSM reads `root/softhsm2.conf` (SOFTHSM2_CONF) when reloaded."""

    root: Path
    module: Path

    @classmethod
    def under(cls, root: Path) -> SoftHsm:
        (root / "tokens").mkdir(parents=True)
        (root / "softhsm2.conf").write_text(
            f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
        )
        return cls(root, softhsm_module())

    @property
    def conf(self) -> Path:
        return self.root / "softhsm2.conf"

    def reload(self) -> None:
        """The library re-reads its configuration and its tokens (SoftHSM sees a new token only when initialised)."""
        pkcs11.lib(str(self.module)).reinitialize()

    def put_token(self, label: str, pin: str, unit_pkcs12: Path) -> int:
        """A token `label` holding the unit's private key and certificate (both labelled KEY_LABEL) and its CA's
        certificate; answers its slot id."""
        key, certificate, chain = pkcs12.load_key_and_certificates(unit_pkcs12.read_bytes(), None)
        assert key is not None
        assert certificate is not None
        key_file = self.root / f"{label}.key.pem"
        key_file.write_bytes(
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
        self._util("--init-token", "--free", "--label", label, "--so-pin", SO_PIN, "--pin", pin)
        self._util("--import", str(key_file), "--token", label, "--label", KEY_LABEL, "--id", "01", "--pin", pin)
        key_file.unlink()
        self.reload()
        token = pkcs11.lib(str(self.module)).get_token(token_label=label)
        with token.open(rw=True, user_pin=pin) as session:
            for cert, cert_label, cert_id in [(certificate, KEY_LABEL, b"\x01"), *((c, "ca", b"\x02") for c in chain)]:
                attributes = decode_x509_certificate(cert.public_bytes(serialization.Encoding.DER))
                attributes.update({Attribute.TOKEN: True, Attribute.LABEL: cert_label, Attribute.ID: cert_id})
                session.create_object(attributes)
        return int(token.slot.slot_id)

    def unplug(self, label: str) -> None:
        self._util("--delete-token", "--token", label)
        self.reload()

    def _util(self, *args: str) -> None:
        subprocess.run(["softhsm2-util", *args], check=True, capture_output=True, env={"SOFTHSM2_CONF": str(self.conf)})


def rsa_unit_pkcs12(pki: DemoPki, unit: IssuingUnit, path: Path) -> Path:
    """The unit's key as Vietnamese CAs issue them on USB tokens, RSA 2048, certified by the demo CA of `pki`."""
    ca_key = serialization.load_pem_private_key(pki.ca_key.read_bytes(), None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    ca = x509.load_pem_x509_certificate(pki.ca_certificate.read_bytes())
    key = rsa.generate_private_key(65537, 2048)
    now = datetime.now(UTC)
    subject = x509.Name(
        [
            x509.NameAttribute(x509.NameOID.COMMON_NAME, unit.name),
            x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, unit.name),
            x509.NameAttribute(x509.NameOID.ORGANIZATIONAL_UNIT_NAME, unit.code),
        ]
    )
    usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)  # digitalSignature, nonRepudiation
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    path.write_bytes(pkcs12.serialize_key_and_certificates(None, key, certificate, [ca], serialization.NoEncryption()))
    return path
