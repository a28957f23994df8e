"""A Java trust store for Maven that trusts what the system trusts: Java's own, plus the system's.

Maven (Java) reads certificate authorities from the JDK's cacerts; curl and pip read the
system's bundle. Where an authority was added to the bundle only (a company's proxy, the
egress of a sandbox), Maven cannot reach Maven Central while everything else can. This
copies the JDK's cacerts and adds each certificate of the system's bundle it lacks; where the
two agree, the copy is the JDK's own. Nothing of the system is changed.

    python3 tools/verapdf/truststore.py OUT   (prints the options to give Maven's JVM)
"""

from __future__ import annotations

import hashlib
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
from pathlib import Path

PASSWORD = "changeit"  # the JDK's cacerts' well-known password: a trust store holds no secret
PEM = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)


def java_home() -> Path:
    settings = subprocess.run(["java", "-XshowSettings:properties", "-version"],
                              capture_output=True, text=True, check=True).stderr
    return Path(re.search(r"java\.home = (.+)", settings).group(1).strip())


def fingerprints(store: Path) -> set[str]:
    listing = subprocess.run(["keytool", "-list", "-keystore", str(store), "-storepass", PASSWORD],
                             capture_output=True, text=True, check=True).stdout
    return {f.replace(":", "").lower() for f in re.findall(r"\(SHA-256\): ([0-9A-F:]+)", listing)}


def system_bundle() -> Path | None:
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile, "/etc/ssl/certs/ca-certificates.crt"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def main(out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(java_home() / "lib" / "security" / "cacerts", out)
    bundle = system_bundle()
    if bundle is not None:
        known = fingerprints(out)
        for index, pem in enumerate(PEM.findall(bundle.read_text(encoding="ascii", errors="ignore"))):
            if hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest() in known:
                continue
            with tempfile.NamedTemporaryFile("w", suffix=".pem") as certificate:
                certificate.write(pem + "\n")
                certificate.flush()
                subprocess.run(["keytool", "-importcert", "-noprompt", "-keystore", str(out),
                                "-storepass", PASSWORD, "-alias", f"system-{index}",
                                "-file", certificate.name], capture_output=True, check=True)
    print(f"-Djavax.net.ssl.trustStore={out} -Djavax.net.ssl.trustStorePassword={PASSWORD}")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
