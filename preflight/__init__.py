"""Offline preflight: run a Pulumi program against an emulated Azure and check it with policy packs.

It does what `pulumi preview --policy-pack <dir>` does, without the Pulumi CLI, provider plugins or an
Azure account: the program runs in its own runtime against preflight's resource monitor over gRPC (an
emulated Azure behind it), and each pack is started and driven through the real analyzer gRPC protocol.
"""
