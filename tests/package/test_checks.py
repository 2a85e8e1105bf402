import torch

from gencourse._checks import module_device


def test_module_device_reads_parameters_then_buffers_then_defaults_to_cpu():
    assert module_device(torch.nn.Linear(2, 2, device="meta")) == torch.device("meta")
    buffered = torch.nn.Module()
    buffered.register_buffer("b", torch.empty(1, device="meta"))
    assert module_device(buffered) == torch.device("meta")
    assert module_device(torch.nn.Module()) == torch.device("cpu")
