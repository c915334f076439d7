from . import cluster_deployer
