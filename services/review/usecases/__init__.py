"""Review's use cases, one module per command family. Each opens a unit of work, loads through the store,
asks the domain, and commits state and outgoing events together.

intake          registration's nominations entering review (submitted, resubmitted, withdrawn)
tasks           an approver's commands on one task (claim, release, reassign, decide)
queues          a unit's queue, one task with its dossier and history
councils        council meetings and votes, the gate on forward and approval
batches         forwarding with one tờ trình, approving in one decision; reading and rendering the letters
escalation      timers: reminders and escalation by authority (superiors alerted up the tree), the task's timeline, notices
superior        what an alerted superior does with a task overdue below it: urge, set a new due date, receive directly
rosters         the portal's rosters of approvers
notifications   the bell
reorganisation  following a reorganisation of the unit tree
ops             figures for operations

context         what every use case runs with (`ReviewContext`: the clock, a unit of work per command)
loading         loading what a command acts on, or refusing with the error the caller sees
views           records as replies show them
"""
