"""The one module that collects every scenario under features/."""

from pytest_bdd import scenarios

scenarios("../features")
