from . import deployer
from . import cluster_deployer
from . import dry_run_deployer
