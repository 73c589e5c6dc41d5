// A process time zone ahead of UTC by a quarter hour (+05:45), so no date handling can lean on UTC.
process.env.TZ = 'Asia/Kathmandu';
