// The Python extension llm_compression._llmz: a thin binding over the C++ library (no logic of
// its own). Every call that does real work releases the GIL; one Codec (model + engine) serves
// one call at a time, so calls on the same Codec from several threads queue on its mutex.
// Library errors become llm_compression.Error subclasses carrying the library's message and
// its stable status name (`.status`).
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>

#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "codec/compressor.h"
#include "codec/message.h"
#include "common/model_locator.h"
#include "model/model.h"
#include "tokenizer/tokenizer_gguf.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace {

// A library error on its way to Python.
struct LibraryError {
  llmz::Error error;
};
[[noreturn]] void raise(llmz::Error e) { throw LibraryError{std::move(e)}; }

PyObject* g_error = nullptr;          // Error(Exception)
PyObject* g_corrupt = nullptr;        // CorruptDataError(Error): damaged, truncated, not .llmz
PyObject* g_wrong_model = nullptr;    // WrongModelError(Error)
PyObject* g_model = nullptr;          // ModelError(Error): model missing or unsupported
PyObject* g_input = nullptr;          // InputError(Error, ValueError): unusable arguments

PyObject* class_for(llmz::Status s) {
  using llmz::Status;
  switch (s) {
    case Status::bad_magic:
    case Status::unsupported_version:
    case Status::truncated:
    case Status::corrupt_data:
    case Status::checksum_mismatch:
      return g_corrupt;
    case Status::wrong_model:
      return g_wrong_model;
    case Status::model_not_found:
    case Status::unsupported_model:
      return g_model;
    case Status::invalid_argument:
      return g_input;
    default:
      return g_error;
  }
}

void translate(const std::exception_ptr& p, void*) {
  try {
    std::rethrow_exception(p);
  } catch (const LibraryError& e) {
    PyObject* cls = class_for(e.error.status);
    PyObject* value = PyObject_CallFunction(cls, "s", e.error.detail.c_str());
    if (value == nullptr) return;  // the call set its own exception
    PyObject* status = PyUnicode_FromString(llmz::status_name(e.error.status));
    if (status != nullptr) PyObject_SetAttrString(value, "status", status);
    Py_XDECREF(status);
    PyErr_SetObject(cls, value);
    Py_DECREF(value);
  }
}

// A Python progress callable called from C++ work running without the GIL. An exception it
// raises (KeyboardInterrupt, say) stops further calls and is raised when the work returns.
class ProgressSink {
 public:
  explicit ProgressSink(nb::object callback) : callback_(std::move(callback)) {}
  bool active() const { return !callback_.is_none(); }
  void call(const char* stage, std::uint64_t done, std::uint64_t total) {
    if (failure_) return;
    nb::gil_scoped_acquire gil;
    try {
      callback_(stage, done, total);
    } catch (...) {
      failure_ = std::current_exception();
    }
  }
  // With the GIL held.
  void rethrow() {
    if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  }

 private:
  nb::object callback_;
  std::exception_ptr failure_;
};

const char* stage_name(llmz::codec::Stage s) {
  switch (s) {
    case llmz::codec::Stage::probabilities:
      return "probabilities";
    case llmz::codec::Stage::coding:
      return "encoding";
    default:
      return "decoding";
  }
}

std::span<const std::uint8_t> view(const nb::bytes& b) {
  return {static_cast<const std::uint8_t*>(static_cast<const void*>(b.c_str())), b.size()};
}

nb::bytes to_bytes(const std::vector<std::uint8_t>& v) { return nb::bytes(reinterpret_cast<const char*>(v.data()), v.size()); }

// A model, its tokenizer and one engine, loaded once.
class Codec {
 public:
  Codec(const std::optional<std::string>& model_path, int threads) {
    nb::gil_scoped_release release;
    auto path = llmz::locate_model(model_path.value_or(""));
    if (!path.ok()) raise(path.error());
    auto model = llmz::Model::load(path.value());
    if (!model.ok()) raise(model.error());
    auto tok = llmz::tokenizer_from_gguf(model.value()->gguf());
    if (!tok.ok()) raise(tok.error());
    path_ = path.value();
    model_ = std::move(model).value();
    tokenizer_ = std::make_unique<llmz::Tokenizer>(std::move(tok).value());
    llmz::EngineOptions eo;
    eo.threads = threads;
    auto c = llmz::codec::Compressor::create(*model_, *tokenizer_, eo);
    if (!c.ok()) raise(c.error());
    compressor_ = std::move(c).value();
  }

  const std::string& model_path() const { return path_; }
  std::string fingerprint() const { return llmz::codec::fingerprint_hex(compressor_->fingerprint()); }
  int threads() const { return compressor_->engine().threads(); }
  std::size_t max_message_tokens() const { return llmz::codec::max_stream_tokens(compressor_->engine()); }

  nb::bytes compress(const nb::bytes& data, std::uint32_t frame_size, nb::object progress) {
    ProgressSink sink(std::move(progress));
    llmz::Result<std::vector<std::uint8_t>> out = llmz::Error();
    {
      nb::gil_scoped_release release;
      std::lock_guard lock(mutex_);
      llmz::codec::CompressOptions o = llmz::codec::CompressOptions::with_frame_size(frame_size);
      if (sink.active()) o.progress = [&](std::uint64_t d, std::uint64_t t) { sink.call("compress", d, t); };
      out = compressor_->compress(view(data), o);
    }
    sink.rethrow();
    if (!out.ok()) raise(out.error());
    return to_bytes(out.value());
  }

  nb::bytes decompress(const nb::bytes& data, nb::object progress) {
    ProgressSink sink(std::move(progress));
    llmz::Result<std::vector<std::uint8_t>> out = llmz::Error();
    {
      nb::gil_scoped_release release;
      std::lock_guard lock(mutex_);
      llmz::codec::Progress p;
      if (sink.active()) p = [&](std::uint64_t d, std::uint64_t t) { sink.call("decompress", d, t); };
      out = compressor_->decompress(view(data), 16, p);
    }
    sink.rethrow();
    if (!out.ok()) raise(out.error());
    return to_bytes(out.value());
  }

  std::pair<std::uint64_t, nb::bytes> encode(const nb::bytes& text, nb::object progress) {
    ProgressSink sink(std::move(progress));
    llmz::Result<llmz::codec::MessageCode> out = llmz::Error();
    {
      nb::gil_scoped_release release;
      std::lock_guard lock(mutex_);
      llmz::codec::TokenProgress p;
      if (sink.active()) p = [&](llmz::codec::Stage s, std::size_t d, std::size_t t) { sink.call(stage_name(s), d, t); };
      out = llmz::codec::encode_message(compressor_->engine(), *tokenizer_, view(text), p);
    }
    sink.rethrow();
    if (!out.ok()) raise(out.error());
    return {out.value().token_count, to_bytes(out.value().bytes)};
  }

  nb::bytes decode(std::uint64_t token_count, const nb::bytes& encoded, nb::object progress) {
    ProgressSink sink(std::move(progress));
    llmz::Result<std::vector<std::uint8_t>> out = llmz::Error();
    {
      nb::gil_scoped_release release;
      std::lock_guard lock(mutex_);
      llmz::codec::TokenProgress p;
      if (sink.active()) p = [&](llmz::codec::Stage s, std::size_t d, std::size_t t) { sink.call(stage_name(s), d, t); };
      out = llmz::codec::decode_message(compressor_->engine(), *tokenizer_, token_count, view(encoded), p);
    }
    sink.rethrow();
    if (!out.ok()) raise(out.error());
    return to_bytes(out.value());
  }

  llmz::codec::Compressor& compressor() { return *compressor_; }
  std::mutex& mutex() { return mutex_; }

 private:
  std::string path_;
  std::unique_ptr<llmz::Model> model_;
  std::unique_ptr<llmz::Tokenizer> tokenizer_;
  std::unique_ptr<llmz::codec::Compressor> compressor_;
  std::mutex mutex_;
};

// Runs a stream step `f(out)` without the GIL, holding the codec, and returns its output.
template <class F>
nb::bytes run_locked(Codec& codec, F&& f) {
  std::vector<std::uint8_t> out;
  llmz::Error e;
  {
    nb::gil_scoped_release release;
    std::lock_guard lock(codec.mutex());
    e = f(out);
  }
  if (e) raise(e);
  return to_bytes(out);
}

// Streaming compression for llm_compression.open(..., "wb").
class StreamWriter {
 public:
  StreamWriter(std::shared_ptr<Codec> codec, std::uint32_t frame_size) : codec_(std::move(codec)) {
    llmz::codec::CompressOptions o = llmz::codec::CompressOptions::with_frame_size(frame_size);
    auto s = llmz::codec::StreamCompressor::create(codec_->compressor(), o);
    if (!s.ok()) raise(s.error());
    stream_ = std::move(s).value();
  }
  nb::bytes write(const nb::bytes& data) {
    return run_locked(*codec_, [&](std::vector<std::uint8_t>& out) { return stream_->write(view(data), out); });
  }
  nb::bytes finish() { return run_locked(*codec_, [&](std::vector<std::uint8_t>& out) { return stream_->finish(out); }); }

 private:
  std::shared_ptr<Codec> codec_;
  std::unique_ptr<llmz::codec::StreamCompressor> stream_;
};

// Streaming decompression for llm_compression.open(..., "rb").
class StreamReader {
 public:
  explicit StreamReader(std::shared_ptr<Codec> codec)
      : codec_(std::move(codec)), stream_(std::make_unique<llmz::codec::StreamDecompressor>(codec_->compressor(), 16)) {}
  nb::bytes write(const nb::bytes& data) {
    return run_locked(*codec_, [&](std::vector<std::uint8_t>& out) { return stream_->write(view(data), out); });
  }
  nb::bytes finish() { return run_locked(*codec_, [&](std::vector<std::uint8_t>& out) { return stream_->finish(out); }); }
  bool ended() const { return stream_->ended(); }

 private:
  std::shared_ptr<Codec> codec_;
  std::unique_ptr<llmz::codec::StreamDecompressor> stream_;
};

PyObject* new_exception(nb::module_& m, const char* name, PyObject* bases, const char* doc) {
  const std::string qualified = std::string("llm_compression.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases, nullptr);
  if (cls == nullptr) throw nb::python_error();
  m.attr(name) = nb::handle(cls);
  return cls;
}

}  // namespace

NB_MODULE(_llmz, m) {
  m.doc() = "llmz: lossless compression with a language model (C++ core of llm_compression)";
  g_error = new_exception(m, "Error", PyExc_Exception, "An llmz library error; .status is its stable name.");
  g_corrupt = new_exception(m, "CorruptDataError", g_error, "The data is damaged, truncated or not llmz data.");
  g_wrong_model = new_exception(m, "WrongModelError", g_error, "The data was made with another model.");
  g_model = new_exception(m, "ModelError", g_error, "The model is missing or not supported.");
  PyObject* input_bases = PyTuple_Pack(2, g_error, PyExc_ValueError);
  g_input = new_exception(m, "InputError", input_bases, "An argument the library cannot use.");
  Py_DECREF(input_bases);
  nb::register_exception_translator(translate);

  nb::class_<Codec>(m, "Codec", "A model, its tokenizer and an engine, loaded once; one call at a time.")
      .def(nb::new_([](const std::optional<std::string>& model, int threads) { return std::make_shared<Codec>(model, threads); }),
           "model"_a = nb::none(), "threads"_a = 0)
      .def_prop_ro("model_path", &Codec::model_path)
      .def_prop_ro("fingerprint", &Codec::fingerprint)
      .def_prop_ro("threads", &Codec::threads)
      .def_prop_ro("max_message_tokens", &Codec::max_message_tokens)
      .def("compress", &Codec::compress, "data"_a, "frame_size"_a = 8192, "progress"_a = nb::none())
      .def("decompress", &Codec::decompress, "data"_a, "progress"_a = nb::none())
      .def("encode", &Codec::encode, "text"_a, "progress"_a = nb::none())
      .def("decode", &Codec::decode, "token_count"_a, "encoded"_a, "progress"_a = nb::none());

  nb::class_<StreamWriter>(m, "StreamWriter", "Streaming compression: write() returns the bytes ready so far.")
      .def(nb::init<std::shared_ptr<Codec>, std::uint32_t>(), "codec"_a, "frame_size"_a = 8192)
      .def("write", &StreamWriter::write, "data"_a)
      .def("finish", &StreamWriter::finish);

  nb::class_<StreamReader>(m, "StreamReader", "Streaming decompression: write() returns the original bytes decoded so far.")
      .def(nb::init<std::shared_ptr<Codec>>(), "codec"_a)
      .def("write", &StreamReader::write, "data"_a)
      .def("finish", &StreamReader::finish)
      .def_prop_ro("ended", &StreamReader::ended);
}
