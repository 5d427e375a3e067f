"""Pieces of the Azure Resource Manager emulator (see ``cloudorch_providers.azure.emulator``).

- ``arm``        ARM error type, error bodies, timestamps
- ``routes``     the URL map (case-insensitive like ARM) and the action names of requests
- ``validation`` what a container group or resource group PUT body must hold
- ``lifecycle``  the simulated life of a container group, computed from timestamps
- ``render``     the ARM JSON of a stored container group (secrets left out)
- ``state``      the in-memory store: resource groups, container groups, operations
- ``handlers``   one function per container group operation
- ``resource_groups`` resource group operations and the list of a group's resources
- ``updates``    what ACI refuses to change in place (InvalidContainerGroupUpdate)
- ``network``    virtual networks, public IPs, application gateways, private DNS zones/links/records
- ``network_checks`` what ARM refuses about them; container groups joining a subnet
- ``sdk_schema`` request bodies checked against the network SDKs' own models
"""
