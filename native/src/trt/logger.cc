#include "logger.h"

#include <utility>

namespace leukodiff {

namespace {

thread_local std::string tLastError;

struct Message {
  const char* level;
  std::string text;
};

void CallJs(Napi::Env env, Napi::Function fn, Message* message) {
  // env is null when the function is torn down with messages still queued: only free them then.
  if (env != nullptr && fn != nullptr) {
    fn.Call({Napi::String::New(env, message->level), Napi::String::New(env, message->text)});
    // A throwing JS logger must not leave an exception pending inside TensorRT's call chain.
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
  }
  delete message;
}

}  // namespace

struct TrtLogger::Sink {
  Napi::ThreadSafeFunction tsfn;
};

TrtLogger& TrtLogger::Instance() {
  // Never destroyed: TensorRT may still log while static destructors run at process exit.
  static TrtLogger* logger = new TrtLogger();
  return *logger;
}

void TrtLogger::log(Severity severity, nvinfer1::AsciiChar const* msg) noexcept {
  if (msg == nullptr) return;
  if (severity <= Severity::kERROR) tLastError = msg;
  if (static_cast<int>(severity) > minSeverity_.load(std::memory_order_relaxed)) return;

  std::lock_guard<std::mutex> lock(mutex_);
  if (sink_ == nullptr) return;
  auto* message = new Message{LevelName(severity), msg};
  // Non-blocking: a TensorRT thread never waits for the JavaScript main thread.
  if (sink_->tsfn.NonBlockingCall(message, CallJs) != napi_ok) delete message;
}

void TrtLogger::SetSink(Napi::Env env, Napi::Function fn, Severity minSeverity) {
  auto* sink = new Sink();
  sink->tsfn = Napi::ThreadSafeFunction::New(
      env, fn, "leukodiff-trt-logger", 0, 1,
      [](Napi::Env, Sink* finished) {
        TrtLogger::Instance().Forget(finished);
        delete finished;
      },
      sink);
  // Logging must not keep the process alive.
  sink->tsfn.Unref(env);

  std::lock_guard<std::mutex> lock(mutex_);
  if (sink_ != nullptr) sink_->tsfn.Release();
  sink_ = sink;
  minSeverity_.store(static_cast<int>(minSeverity), std::memory_order_relaxed);
}

void TrtLogger::ClearSink() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (sink_ == nullptr) return;
  sink_->tsfn.Release();
  sink_ = nullptr;
}

// Called by a sink's finalizer on the main thread: after a Release, or when Node tears the
// environment down. Either way the function must not be called again.
void TrtLogger::Forget(Sink* sink) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (sink_ == sink) sink_ = nullptr;
}

std::string TrtLogger::TakeLastError() { return std::exchange(tLastError, std::string()); }

void TrtLogger::ClearLastError() { tLastError.clear(); }

const char* LevelName(nvinfer1::ILogger::Severity severity) {
  using Severity = nvinfer1::ILogger::Severity;
  switch (severity) {
    case Severity::kINTERNAL_ERROR:
    case Severity::kERROR:
      return "error";
    case Severity::kWARNING:
      return "warn";
    case Severity::kINFO:
      return "info";
    case Severity::kVERBOSE:
    default:
      return "debug";
  }
}

bool ParseLevel(const std::string& name, nvinfer1::ILogger::Severity* out) {
  using Severity = nvinfer1::ILogger::Severity;
  if (name == "error") *out = Severity::kERROR;
  else if (name == "warn") *out = Severity::kWARNING;
  else if (name == "info") *out = Severity::kINFO;
  else if (name == "debug") *out = Severity::kVERBOSE;
  else return false;
  return true;
}

}  // namespace leukodiff
