"""Run by the freshly built interpreter inside the build root: prints what manifest.json
records about it (one JSON object on stdout)."""
import importlib.util
import json
import sys
import sysconfig

print(json.dumps({
    "version": "%d.%d.%d" % sys.version_info[:3],
    "version_info": list(sys.version_info[:3]),
    "magic_number": importlib.util.MAGIC_NUMBER.hex(),
    "magic": int.from_bytes(importlib.util.MAGIC_NUMBER[:2], "little"),
    "cache_tag": sys.implementation.cache_tag,
    "builtin_module_names": sorted(sys.builtin_module_names),
    "configure_options": sysconfig.get_config_var("CONFIG_ARGS"),
    "link_libraries": " ".join(filter(None, (sysconfig.get_config_var(v) for v in ("MODLIBS", "LIBS", "SYSLIBS")))),
    "abiflags": sys.abiflags,
    "platform": sysconfig.get_platform(),
}))
