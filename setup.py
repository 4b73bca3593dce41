"""The build's one piece of code: ``flows/`` and ``fixtures/`` are installed inside
``optout_bot`` (as ``optout_bot._platforms.flows`` / ``.fixtures``), found by discovery, so a
new platform needs no edit here and nothing else lands in site-packages."""

from setuptools import find_namespace_packages, setup

packages = find_namespace_packages(include=["optout_bot", "optout_bot.*"])
package_dir = {}
for folder in ("flows", "fixtures"):
    name = f"optout_bot._platforms.{folder}"
    package_dir[name] = folder
    packages += [name, *(f"{name}.{sub}" for sub in find_namespace_packages(folder))]

setup(packages=packages, package_dir=package_dir)
