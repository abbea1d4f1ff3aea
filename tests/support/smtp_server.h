// A real SMTP server for tests: Debian's python3-aiosmtpd on a free loopback port,
// keeping every message it receives in a maildir, read back through Python's own
// email parser (so a test also proves the message is well-formed MIME).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "support/temp_dir.h"

namespace rapport::testing {

struct ReceivedAttachment {
  std::string filename;
  std::string content_type;
  std::string bytes;
};

struct ReceivedMail {
  std::string from;
  std::vector<std::string> to;  // the envelope's recipients
  std::string subject;          // decoded
  std::string text;             // the text/plain part, decoded
  std::vector<ReceivedAttachment> attachments;
};

class SmtpServer {
 public:
  SmtpServer() : dir_("rapport_smtp") {
    port_ = FreePort();
    pid_ = ::fork();
    if (pid_ == 0) {
      // Gone with the test, even one killed before its destructors run.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      std::string listen = "127.0.0.1:" + std::to_string(port_), maildir = dir_.File("mail");
      ::execl("/usr/bin/python3", "python3", "-m", "aiosmtpd", "-n", "-l", listen.c_str(), "-c",
              "aiosmtpd.handlers.Mailbox", maildir.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Ready once it accepts a connection.
    for (int i = 0; i < 200 && !ready_; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(port_);
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      ready_ = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
      ::close(fd);
      if (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~SmtpServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  bool ready() const { return ready_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  // Every message received so far, oldest first.
  std::vector<ReceivedMail> Received() const {
    static constexpr char kScript[] = R"py(
import email, email.policy, json, mailbox, sys
box = mailbox.Maildir(sys.argv[1], create=False)
out = []
for key in sorted(box.keys(), key=lambda k: box.get_message(k).get_date()):
    m = email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
    body = m.get_body(preferencelist=("plain",))
    out.append({"from": m["X-MailFrom"] or "", "to": [t.strip() for t in (m["X-RcptTo"] or "").split(",")],
                "subject": str(m["Subject"]), "text": body.get_content() if body else "",
                "attachments": [{"filename": a.get_filename() or "", "content_type": a.get_content_type(),
                                 "hex": a.get_payload(decode=True).hex()} for a in m.iter_attachments()]})
print(json.dumps(out))
)py";
    std::string script = dir_.File("read.py");
    if (FILE* f = std::fopen(script.c_str(), "w")) {
      std::fputs(kScript, f);
      std::fclose(f);
    }
    std::string json;
    FILE* pipe = ::popen(("/usr/bin/python3 '" + script + "' '" + dir_.File("mail") + "' 2>&1").c_str(), "r");
    if (!pipe) return {};
    char buffer[4096];
    while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) json.append(buffer, n);
    ::pclose(pipe);
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(json, ec);
    std::vector<ReceivedMail> mails;
    if (ec || !parsed.is_array()) {
      mails.push_back({.subject = "unreadable maildir", .text = json});
      return mails;
    }
    for (const auto& m : parsed.as_array()) {
      ReceivedMail mail{.from = std::string(m.at("from").as_string()), .subject = std::string(m.at("subject").as_string()),
                        .text = std::string(m.at("text").as_string())};
      for (const auto& to : m.at("to").as_array()) mail.to.emplace_back(to.as_string());
      for (const auto& a : m.at("attachments").as_array()) {
        std::string hex(a.at("hex").as_string()), bytes;
        for (size_t i = 0; i + 1 < hex.size(); i += 2) bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
        mail.attachments.push_back({std::string(a.at("filename").as_string()),
                                    std::string(a.at("content_type").as_string()), std::move(bytes)});
      }
      mails.push_back(std::move(mail));
    }
    return mails;
  }

 private:
  static uint16_t FreePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
  }

  TempDir dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
  bool ready_ = false;
};

}  // namespace rapport::testing
