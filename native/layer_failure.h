// LayerFailure: why a layer was rejected, thrown by the tar reader and the applier on the applier
// thread and handed to JavaScript as { kind, message, entry, errno, syscall }.
#pragma once

#include <string>

namespace ctrmon {

enum class LayerFailureKind {
  kUnsafe,   // an entry would escape the layer root or write through a symlink
  kLimit,    // over the entry or byte cap
  kInvalid,  // not a well-formed tar archive, or a tar feature OCI layers cannot use
  kSystem,   // a system call failed (errno set)
};

struct LayerFailure {
  LayerFailureKind kind;
  std::string message;
  std::string entry;  // the archive name of the entry, when one is concerned
  int err = 0;
  const char* syscall = "";
};

inline const char* LayerFailureKindName(LayerFailureKind kind) {
  switch (kind) {
    case LayerFailureKind::kUnsafe:
      return "unsafe";
    case LayerFailureKind::kLimit:
      return "limit";
    case LayerFailureKind::kInvalid:
      return "invalid";
    case LayerFailureKind::kSystem:
      return "system";
  }
  return "invalid";
}

}  // namespace ctrmon
