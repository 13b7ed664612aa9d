{
  "targets": [
    {
      "target_name": "ipvs",
      "sources": [
        "native/addon.cc",
        "native/bfd/engine.cc",
        "native/bfd/packet.cc",
        "native/bfd/session.cc",
        "native/health/echo.cc",
        "native/health/socket.cc",
        "native/health/tcp_engine.cc",
        "native/ipvs/codec.cc",
        "native/ipvs/session.cc",
        "native/proc/connector.cc",
        "native/js/convert.cc",
        "native/js/errors.cc",
        "native/js/handle.cc",
        "native/js/icmp_echo.cc",
        "native/js/netns_file.cc",
        "native/js/netns_exec.cc",
        "native/js/notify.cc",
        "native/js/proc_monitor.cc",
        "native/js/children.cc",
        "native/js/rtnl.cc",
        "native/js/nft.cc",
        "native/js/tcp_reach.cc",
        "native/js/tcp_check_engine.cc",
        "native/js/bfd_engine.cc",
        "native/js/vrrp_link.cc",
        "native/nft/batch.cc",
        "native/rtnl/request.cc",
        "native/vrrp/auth_header.cc",
        "native/vrrp/channel.cc",
        "native/vrrp/link_monitor.cc",
        "native/vrrp/linkbeat.cc",
        "native/vrrp/md5.cc",
        "native/vrrp/route.cc"
      ],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "include_dirs": ["<!@(pkg-config --cflags-only-I libnl-genl-3.0 libnl-route-3.0 | sed 's/-I//g')"],
      "libraries": ["<!@(pkg-config --libs libnl-genl-3.0 libnl-route-3.0)"],
      "defines": [
        "NAPI_VERSION=9",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "cflags_cc": ["-std=c++17", "-fvisibility=hidden", "-fstack-protector-strong", "-Wall", "-Wextra", "-Wno-missing-field-initializers"]
    }
  ]
}
