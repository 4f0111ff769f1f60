"""Offline preflight: run a Pulumi program against an emulated Azure and check it with policy packs.

It does what `pulumi preview --policy-pack <dir>` does, without the Pulumi CLI, provider plugins or an
Azure account: the program runs under `pulumi.runtime.set_mocks`, and each pack is started and driven
through the real analyzer gRPC protocol.
"""
