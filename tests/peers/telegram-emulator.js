// Starts the telegram-test-api Bot API emulator on 127.0.0.1:<port> for the bot's end-to-end test,
// with the fixes a real Bot API client needs (python-telegram-bot parses replies strictly):
//   - getMe gains `is_bot: true` (the emulator leaves it out);
//   - sendMessage answers with `date` in seconds, not milliseconds;
//   - callback queries carry `chat_instance` (a required field the emulator leaves out);
// and what the bot's end-to-end test needs beyond the emulator:
//   - deleteMessages (Bot API 7.0), and editMessageReplyMarkup without a markup removes the keyboard;
//   - webhooks carry the secret token the bot set (the emulator leaves the header out);
//   - injected refusals: POST /failNext {method, contains, error_code, retry_after, times} makes the
//     next `times` calls of `method` whose text contains `contains` fail (a 429 carries retry_after);
//     GET /failures lists the refused calls.
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

const { routes } = require('telegram-test-api/lib/routes/index');

const pendingFailures = [];
const refused = [];

// Registered before the emulator's own routes (the constructor walks this array).
routes.unshift((app, server) => {
  app.post('/failNext', (req, res) => {
    pendingFailures.push({ times: 1, error_code: 429, retry_after: 1, contains: '', ...req.body });
    res.json({ ok: true, result: true });
  });
  app.get('/failures', (_req, res) => res.json({ ok: true, result: refused }));
  app.all('/bot:token/:method', (req, res, next) => {
    const text = String((req.body || {}).text || '');
    const failure = pendingFailures.find((f) => f.times > 0 && f.method === req.params.method
      && text.includes(f.contains));
    if (!failure) {
      next();
      return;
    }
    failure.times -= 1;
    refused.push({ method: req.params.method, text, error_code: failure.error_code });
    const body = { ok: false, error_code: failure.error_code, description: 'Injected failure' };
    if (failure.error_code === 429) {
      body.description = `Too Many Requests: retry after ${failure.retry_after}`;
      body.parameters = { retry_after: failure.retry_after };
    }
    res.status(failure.error_code).json(body);
  });
  app.all('/bot:token/deleteMessages', (req, res) => {
    let ids = req.body.message_ids;
    if (typeof ids === 'string') ids = JSON.parse(ids);
    for (const id of ids || []) server.deleteMessage(Number(req.body.chat_id), Number(id));
    res.json({ ok: true, result: true });
  });
  app.all('/bot:token/editMessageReplyMarkup', (req, res) => {
    const stored = server.storage.botMessages.find((u) => String(u.messageId) === String(req.body.message_id)
      && String(u.message.chat_id) === String(req.body.chat_id));
    if (stored) {
      const markup = req.body.reply_markup;
      stored.message = { ...stored.message, reply_markup: typeof markup === 'string' ? JSON.parse(markup) : markup };
    }
    res.json({ ok: true, result: true });
  });
});

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

// Webhooks as Telegram calls them: with the secret token the bot set (X-Telegram-Bot-Api-Secret-Token),
// which the emulator leaves out. The production suite's bot runs behind nginx this way (trusting the
// run's CA through NODE_EXTRA_CA_CERTS).
const axios = require('axios');
const addUserUpdate = TelegramServer.prototype.addUserUpdate;
TelegramServer.prototype.addUserUpdate = async function withSecretToken(update) {
  const webhook = this.webhooks[update.botToken];
  if (!webhook || !webhook.secret_token) return addUserUpdate.call(this, update);
  const resp = await axios({
    url: webhook.url, method: 'POST', data: TelegramServer.formatUpdate(update),
    headers: { 'X-Telegram-Bot-Api-Secret-Token': webhook.secret_token },
  });
  if (resp.status > 204) throw new Error('Webhook invocation failed');
  this.updateId++;
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
