// Stub: filled by the codec work (issue 2).
#include <napi.h>
namespace settrade::binding {
void InitCodec(Napi::Env, Napi::Object) {}
}  // namespace settrade::binding
