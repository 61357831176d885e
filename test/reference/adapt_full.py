"""Fine-tuning methods add no layers: the parity harness trains the parameters the test names."""


def inject(model, cfg):
    pass
