"""Packaging for dogtag-pki, the Dogtag PKI Python client with native NSS database support."""

from setuptools import find_packages, setup

setup(
    name="dogtag-pki",
    version="11.7.0.dev0",
    description="Dogtag PKI Python client that authenticates from NSS databases",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="LGPL-2.1-or-later",
    url="https://github.com/dogtagpki/pki",
    package_dir={"": "base/common/python"},
    packages=find_packages(where="base/common/python", include=["pki", "pki.*"]),
    python_requires=">=3.9",
    entry_points={"console_scripts": ["pki = pki.cli.main:main"]},
    install_requires=[
        "requests>=2.32",  # HTTPAdapter.build_connection_pool_key_attributes
        "urllib3>=2.0,<3",
        "pyOpenSSL>=23.0",
        "cryptography>=39.0",
    ],
    extras_require={
        # build, setuptools and wheel: scripts/check-packaging.sh builds the wheel offline
        "test": [
            "pytest>=7", "hypothesis>=6", "ruff", "mypy", "types-requests", "build",
            "setuptools>=61", "wheel",
        ],
        "bench": ["matplotlib"],
    },
    classifiers=[
        "Programming Language :: Python :: 3",
        "Operating System :: POSIX :: Linux",
        "Topic :: Security :: Cryptography",
    ],
)
