"""The Azure provider's live half: ARM clients (azure-mgmt-containerinstance, azure-mgmt-resource,
azure-mgmt-network, azure-mgmt-privatedns), reading the live app, planning, applying, the app's
private network, secrets, status and logs. Every Azure SDK import happens inside a function, via
:mod:`.clients`, so ``render``/``validate`` and ``--help`` never load the SDK."""
