"""Registration's use cases, one module per family of commands and queries; each use case validates, loads through
the store, asks the pure domain, and saves with its outgoing events in one transaction.

- `nominations`: submit, edit, resubmit, withdraw, read and list nominations;
- `dossier`: the dossier's files (staged, checked, kept) and the documents an award asks for;
- `eligibility`: the checks a nomination gets at (re)submission, campaigns', pledges' and clusters' included;
- `emulation`: campaigns ("đợt thi đua"), pledges ("giao ước thi đua"), clusters ("cụm thi đua");
- `units`: the unit tree (loaded, listed, a unit's paths on dates); `reorganisation`: changing it;
- `reactions`: what review's and awards' events do to a nomination; `opsview`: figures for operations.

Below them: `context` (what every use case is given), `access` (who may see and do what), `common` (loading a
nomination, its timeline, the duplicate rule) and `views` (records as replies).
"""
