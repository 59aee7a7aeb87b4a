"""The managers' workspace (工作台): what waits for them, and every task within reach.

``members`` sits below the apps whose queues the workspace counts (leave,
reports, visits), so, as with ``members.home``, each app registers its to-do
items, panels and task links in ``members.workspace.registry`` from its
``AppConfig.ready()``; the page knows nothing of their models.
"""
