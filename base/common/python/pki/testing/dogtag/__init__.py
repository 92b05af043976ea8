"""The pieces of the Dogtag-compatible test server (``python -m pki.testing.server``).

One job per module:

* plumbing: ``errors`` (Dogtag's JSON error shape), ``formats`` (IDs, Java dates, DNs,
  CertData), ``javaprops`` (properties text), ``store`` (persistent JSON state),
  ``bootstrap`` (the state directory's CA, certificates and NSS databases), ``http`` (TLS,
  sessions, routing, one write per response);
* who may do what: ``usergroups`` (users, groups, certificate-to-user mapping),
  ``security`` (web.xml constraints, authentication, ACLs), ``admin`` (the users and groups
  resources), ``common`` (info, account login/logout);
* the CA: ``ca_certs`` (certificates), ``ca_requests`` (enrolment and review), ``profiles``
  (profile configurations) and ``policies`` (what they make of a request),
  ``profile_admin`` (the profiles resource), ``authorities`` (lightweight CAs),
  ``securitydomain``, ``system`` (features, getStatus);
* the KRA: ``kracrypto`` and ``kra`` (key archival and recovery);
* the ACME responder's administration: ``acme`` (with FreeIPA's setup only).

``pki.testing.server`` ties them together.
"""
