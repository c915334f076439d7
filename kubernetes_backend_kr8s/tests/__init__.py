from . import test_deployer
