"""SMS channel (短信渠道), inbound: the replies customers send to the center's SMS number, which the
gateway (Aliyun, Tencent Cloud …) posts to POST /api/sms/inbound. Outgoing SMS are kefu.notify.sms."""
