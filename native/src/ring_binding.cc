// Stub: filled by the dispatcher work (issue 3).
#include <napi.h>
namespace settrade::binding {
void InitRing(Napi::Env, Napi::Object) {}
}  // namespace settrade::binding
