"""Conversations: the record of a shopper talking to the assistant (conversations, messages, model
and tool calls), who may open one (access), the turn and its lifecycle (services), the reads
(selectors), the text and session APIs, the admin transcript, the Markdown export and the periodic
jobs (summary, idle close, audio retention)."""
