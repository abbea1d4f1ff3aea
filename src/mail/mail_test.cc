// Mail as rendered, then as a real SMTP server receives it (aiosmtpd) and Python's
// email package reads it back: headers, non-ASCII words, attachments byte for byte.
#include "mail/mail.h"

#include <gtest/gtest.h>

#include "support/smtp_server.h"

namespace rapport::mail {
namespace {

Message Sample() {
  std::string binary;
  for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
  return {.from = {"reports@acme.example", "Rapport"},
          .to = {{"ada@acme.example", "Ada, Lovelace"}, {"rex@acme.example", "Rex Müller"}},
          .subject = "Pipeline — semaine 48: Überblick über alle offenen Geschäfte des Quartals",
          .text = "Won this quarter: 1 200,00 €\nSee the attachment.\n",
          .attachments = {{"Pipeline 2026-11-26.csv", "text/csv; charset=utf-8", "stage,count\r\nwon,3\r\n"},
                          {"Übersicht.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", binary}}};
}

TEST(MailTest, RendersHeadersAndPartsAndRefusesAddressesThatCouldAddHeaders) {
  auto rendered = Render(Sample(), *ParseDatetime("2026-11-26T09:30:00Z"));
  ASSERT_TRUE(rendered) << rendered.error().ToString();
  EXPECT_NE(rendered->find("Date: Thu, 26 Nov 2026 09:30:00 +0000\r\n"), std::string::npos) << *rendered;
  EXPECT_NE(rendered->find("To: \"Ada, Lovelace\" <ada@acme.example>,\r\n =?UTF-8?B?"), std::string::npos) << *rendered;
  EXPECT_NE(rendered->find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(rendered->find("filename*=UTF-8''%C3%9Cbersicht.xlsx"), std::string::npos);
  for (size_t start = 0, end; (end = rendered->find("\r\n", start)) != std::string::npos; start = end + 2) {
    EXPECT_LE(end - start, 998u);  // RFC 5322's line limit
  }

  Message bad = Sample();
  bad.to = {{"ada@acme.example\r\nBcc: eve@evil.example", ""}};
  EXPECT_FALSE(Render(bad, 0));
  EXPECT_FALSE(IsMailAddress("a@b@c"));
  EXPECT_FALSE(IsMailAddress("<a@b>"));
  EXPECT_TRUE(IsMailAddress("first.last+tag@sub.example.com"));
  bad = Sample();
  bad.subject = "Hello\r\nBcc: eve@evil.example";
  auto flattened = Render(bad, 0);
  ASSERT_TRUE(flattened);
  EXPECT_EQ(flattened->find("\r\nBcc:"), std::string::npos);
  EXPECT_FALSE(SmtpMailer({.url = "http://mail.example", .from = {"a@b.example", ""}}));
  EXPECT_FALSE(SmtpMailer({.url = "smtp://mail.example", .from = {"nobody", ""}}));
}

TEST(MailTest, AnSmtpServerReceivesWhatWasSent) {
  testing::SmtpServer server;
  ASSERT_TRUE(server.ready());
  auto mailer = SmtpMailer({.url = server.url(), .from = {"reports@acme.example", "Rapport"}});
  ASSERT_TRUE(mailer) << mailer.error().ToString();
  Message sent = Sample();
  ASSERT_TRUE((*mailer)->Send(sent));
  auto received = server.Received();
  ASSERT_EQ(received.size(), 1u);
  const auto& mail = received[0];
  EXPECT_EQ(mail.subject, sent.subject);
  EXPECT_EQ(mail.to, (std::vector<std::string>{"ada@acme.example", "rex@acme.example"}));
  EXPECT_EQ(mail.from, "reports@acme.example");
  EXPECT_EQ(mail.text, sent.text);
  ASSERT_EQ(mail.attachments.size(), 2u);
  EXPECT_EQ(mail.attachments[0].filename, "Pipeline 2026-11-26.csv");
  EXPECT_EQ(mail.attachments[0].bytes, sent.attachments[0].bytes);
  EXPECT_EQ(mail.attachments[1].filename, "Übersicht.xlsx");
  EXPECT_EQ(mail.attachments[1].bytes, sent.attachments[1].bytes);

  // A server that is not there: an error, not a hang.
  auto nowhere = SmtpMailer({.url = "smtp://127.0.0.1:1", .from = {"reports@acme.example", ""}, .timeout_seconds = 5});
  ASSERT_TRUE(nowhere);
  auto failed = (*nowhere)->Send(sent);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace rapport::mail
