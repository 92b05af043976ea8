"""The pieces of the Dogtag-compatible test server (``python -m pki.testing.server``).

One job per module: ``errors`` (Dogtag's JSON error shape), ``formats`` (IDs, Java dates,
CertData), ``bootstrap`` (the state directory's CA, certificates and agent NSS database),
``store`` (persistent JSON state), ``http`` (TLS, sessions, auth, routing), ``common``
(info and account), ``ca`` (certificates, requests, profiles), ``kracrypto`` and ``kra``
(key archival and recovery). ``pki.testing.server`` ties them together.
"""
