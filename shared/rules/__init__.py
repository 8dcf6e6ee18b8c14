"""Pure rules two or more services apply: the catalogue, eligibility, councils, the unit tree, the calendar,
official documents and attachment checks. Imports only `shared.contracts.events`; a rule one service owns lives in
that service's `domain/`.
"""
