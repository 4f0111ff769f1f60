"""Entry point of the component package plugin: serves SecureMlWorkspace and SecureMlPlatform over gRPC.

The Python language host runs this when another program uses the package (`pulumi package add`); the
analyzer in `pulumi.provider.experimental` builds the schema from `aml_baseline_provider`'s annotations.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # this directory (wrappers) and the repository (components)

from aml_baseline_provider import COMPONENTS, NAMESPACE, PACKAGE, VERSION  # noqa: E402
from pulumi.provider.experimental import component_provider_host  # noqa: E402

if __name__ == "__main__":
    component_provider_host(COMPONENTS, name=PACKAGE, namespace=NAMESPACE, version=VERSION)
