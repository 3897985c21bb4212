// The one ILogger of the process: TensorRT keeps a single logger for all builders and runtimes.
// Messages go to a JavaScript callback through a ThreadSafeFunction, because TensorRT logs from its
// own threads and JavaScript may only run on the main thread.
#pragma once

#include <NvInfer.h>
#include <napi.h>

#include <atomic>
#include <mutex>
#include <string>

namespace leukodiff {

class TrtLogger final : public nvinfer1::ILogger {
 public:
  static TrtLogger& Instance();

  void log(Severity severity, nvinfer1::AsciiChar const* msg) noexcept override;

  // Forwards messages at `minSeverity` and more severe to fn(level, message); replaces any earlier sink.
  void SetSink(Napi::Env env, Napi::Function fn, Severity minSeverity);
  void ClearSink();

  // The last error TensorRT logged on the calling thread (cleared by this call).
  static std::string TakeLastError();
  static void ClearLastError();

 private:
  struct Sink;
  TrtLogger() = default;
  void Forget(Sink* sink);

  std::mutex mutex_;
  Sink* sink_ = nullptr;  // guarded by mutex_; freed by its ThreadSafeFunction's finalizer
  std::atomic<int> minSeverity_{static_cast<int>(Severity::kWARNING)};
};

// "error" | "warn" | "info" | "debug", the levels of the JavaScript logger.
const char* LevelName(nvinfer1::ILogger::Severity severity);
bool ParseLevel(const std::string& name, nvinfer1::ILogger::Severity* out);

}  // namespace leukodiff
