"""The sandbox process inherits only what it needs from the shell that starts it."""

from cloudorch.sandbox.service import daemon_env


def test_only_the_kept_variables_and_the_locale_pass():
    shell = {"PATH": "/usr/bin", "HOME": "/root", "LC_ALL": "C.UTF-8", "AWS_SECRET_ACCESS_KEY": "x",
             "SHOP_DATABASE_URL": "postgres://u:p@db/shop", "AZURE_CLIENT_SECRET": "y", "KUBECONFIG": "/k"}
    assert daemon_env(shell) == {"PATH": "/usr/bin", "HOME": "/root", "LC_ALL": "C.UTF-8"}
