"""FLOPs (2 x multiply-accumulates of conv and linear layers) counted with forward hooks."""
import torch
import torch.nn as nn


def count_flops(model, input_hw):
    macs = [0]

    def conv_hook(m, inp, out):
        k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
        macs[0] += out.numel() * k

    def linear_hook(m, inp, out):
        macs[0] += out.numel() * m.in_features

    hooks = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, *input_hw))
    model.train(was_training)
    for h in hooks:
        h.remove()
    return 2 * macs[0]


def count_params(model):
    return sum(p.numel() for p in model.parameters())
