"""Simulated adversarial conversations with a fine-tuned model: probes, strategies, targets."""
