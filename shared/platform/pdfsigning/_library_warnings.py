"""Imported first by the package: pyHanko imports DSA from cryptography, which warns on every process start about a
deprecation this project never meets (its keys are EC and RSA); the warning is left out of every command's output."""

import warnings

from cryptography.utils import CryptographyDeprecationWarning

warnings.filterwarnings("ignore", message="DSA is deprecated", category=CryptographyDeprecationWarning)
