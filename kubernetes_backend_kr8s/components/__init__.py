from . import deployer
