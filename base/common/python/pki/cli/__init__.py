"""The ``pki`` command-line client: Dogtag's Java ``pki`` CLI commands, from Python.

``pki.cli.main.main()`` is the entry point (also ``python -m pki.cli`` and the ``pki``
console script). Global options (NSS database, password, client certificate nickname,
server URL, API version, output format) are parsed by ``pki.cli.main``; each command group
lives in its own module (``client``, ``info``, ``ca_cert``, ``ca_cert_request``, ``kra_key``)
and prints through ``pki.cli.output`` so that text and JSON output look the same everywhere.
"""
