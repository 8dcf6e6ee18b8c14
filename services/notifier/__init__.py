"""The notifier: emails the notes review writes on people's bells (at once, or in a daily digest), over SMTP."""
