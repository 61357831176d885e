"""The random training batch the PyTorch sides of the Decision Transformer benches time (dt_train.py,
adapt_train.py, dt_profile.py): the shapes of the TypeScript side's batch, every window full."""
import torch


def random_batch(cfg, batch):
    """(inputs, action_mask) for `model.loss`: states, action tokens, returns-to-go, rewards, timesteps, attention mask."""
    K, A = cfg["contextLength"], cfg["maxActDim"]
    x = [
        torch.randn(batch, K, cfg["stateDim"]),
        torch.randint(0, cfg["actionBins"], (batch, K, A)),
        torch.randn(batch, K),
        torch.randn(batch, K),
        torch.randint(0, cfg["maxEpisodeLength"] - K, (batch, K)),
        torch.ones(batch, K, dtype=torch.bool),
    ]
    return x, torch.ones(batch, K, A, dtype=torch.long)
