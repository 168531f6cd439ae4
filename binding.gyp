{
  "targets": [
    {
      "target_name": "ctrmon_native",
      "sources": [
        "native/addon.cc",
        "native/constants.cc",
        "native/handle_core.cc",
        "native/poll_core.cc",
        "native/datagram_io.cc",
        "native/errors.cc",
        "native/file_lock.cc",
        "native/root_file.cc",
        "native/dgram_socket.cc",
        "native/notify_filter.cc",
        "native/notify_relay.cc",
        "native/process.cc",
        "native/tar_reader.cc",
        "native/layer_applier.cc",
        "native/layer_writer.cc",
        "native/zstd_decoder.cc",
        "native/mount.cc"
      ],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "-pthread"],
      "ldflags": ["-pthread"],
      "libraries": ["<!@(pkg-config --libs libzstd)"]
    },
    {
      "target_name": "ctrmon-hello",
      "type": "executable",
      "sources": ["native/hello/ctrmon_hello.c"],
      "cflags": ["-Os", "-Wall", "-Wextra"],
      "ldflags": ["-static", "-s"]
    },
    {
      "target_name": "ctrmon-sdnotify",
      "type": "executable",
      "sources": ["native/sdnotify/ctrmon_sdnotify.c"],
      "cflags": ["-Os", "-Wall", "-Wextra"],
      "ldflags": ["-static", "-s"]
    }
  ]
}
