"""Split deployment (R26): the intake node's batches up, the internal node's batches down.

The internet-facing intake node takes in reports into its own small store; the internal node
pulls them over a channel only it opens (or imports them from signed files carried across an air
gap), and sends back coarse statuses and replies sealed to the reporters. Every packet is signed
(Ed25519, keys exchanged at set-up); batches are numbered and chained, so a replayed, reordered or
altered batch is refused. docs/split-deployment.md has the whole picture.
"""
