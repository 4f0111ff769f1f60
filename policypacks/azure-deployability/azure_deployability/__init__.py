"""azure-deployability: what Azure will refuse or break, caught at `pulumi preview`."""
