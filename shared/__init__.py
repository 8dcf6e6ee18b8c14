"""What the Thi Đua services share, in three layers: `contracts` (the wire), `rules` (pure rules used by
two services or more) and `platform` (how a service runs). `data/` holds the dated rule files they read.
"""
