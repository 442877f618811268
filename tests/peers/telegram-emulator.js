// Starts the telegram-test-api Bot API emulator on 127.0.0.1:<port> for the bot's end-to-end test,
// with the fixes a real Bot API client needs (python-telegram-bot parses replies strictly):
//   - getMe gains `is_bot: true` (the emulator leaves it out);
//   - sendMessage answers with `date` in seconds, not milliseconds;
//   - callback queries carry `chat_instance` (a required field the emulator leaves out).
// Usage: node telegram-emulator.js PORT   (prints "ready <url>" once listening; SIGTERM stops it)
'use strict';

// Patch the getMe route before the route table (which copies it at load time) is required.
const getMeRoute = require('telegram-test-api/lib/routes/bot/getMe');
const { handle } = require('telegram-test-api/lib/routes/bot/utils');

getMeRoute.getMe = (app) => {
  handle(app, '/bot:token/getMe', (_req, res) => {
    res.sendResult({
      ok: true,
      result: { id: 666, is_bot: true, first_name: 'Test First name', username: 'TestNameBot' },
    });
  });
};

const TelegramServer = require('telegram-test-api');

const addBotMessage = TelegramServer.prototype.addBotMessage;
TelegramServer.prototype.addBotMessage = function fixedDate(rawMessage, botToken) {
  const message = addBotMessage.call(this, rawMessage, botToken);
  message.date = Math.floor(message.date / 1000);
  return message;
};

const formatUpdate = TelegramServer.formatUpdate;
TelegramServer.formatUpdate = function withChatInstance(update) {
  const formatted = formatUpdate(update);
  if (formatted.callback_query && !formatted.callback_query.chat_instance) {
    const chat = (formatted.callback_query.message || {}).chat || {};
    formatted.callback_query.chat_instance = String(chat.id || 0);
  }
  return formatted;
};

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node telegram-emulator.js PORT');
  process.exit(2);
}
const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 600 });
server.start().then(() => console.log(`ready ${server.config.apiURL}`));
const stop = () => server.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
