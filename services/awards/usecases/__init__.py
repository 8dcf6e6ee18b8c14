"""Awards' use cases, one module per family of commands and queries; each opens a unit of work, loads through the
store, decides with `services.awards.domain`, and saves its state and its events together.

- `issuing`: a final approval (one or a batch) becomes a numbered decision, or a tờ trình for a state title
- `decisions`: the register of decisions as its readers may see it
- `revocation`: revoking a decision, and recording its prizes recovered
- `outcomes`: the state authority's answer to a tờ trình, recorded by the unit that sent it
- `documents`: a decision or tờ trình as PDF or .xlsx
- `certificates`: the Bằng khen / Giấy khen certificates (văn bằng) a decision grants, as one PDF
- `catalog`: the award catalogues in force, with prizes
- `grassroots`: the awards a CĐCS decides itself, recorded in the register
- `signers`: the unit's roster of signing officers (người ký văn bản), whom its documents print as signer
- `reports`: counts of the register for a unit's subtree
- `opsview`: the figures operations watch
"""
