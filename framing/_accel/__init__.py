"""The compiled accelerator: one C extension module per source file here, each a drop-in for a
pure-Python function elsewhere in framing (its reference). `framing.accel` decides whether they
run; nothing else imports this package."""
