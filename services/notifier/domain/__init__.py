"""The notifier's pure rules: who gets which mail and when (delivery), the digest's hour in Vietnam (digest), and the
words of each mail (mail). No database, broker or SMTP here."""
