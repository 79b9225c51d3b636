-- A sub-merchant's 基本信息 (简称, 管理员姓名 and 邮箱, logo, 广告链接 and 图片, 备注) as the
-- provider entered it: JSON, NULL until first saved (large values are TOASTed out of the row).
ALTER TABLE sub_merchants ADD COLUMN basic_info TEXT;
